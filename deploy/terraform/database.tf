# RDS PostgreSQL: a Multi-AZ primary (DATABASE_URL) and one read replica (DATABASE_REPLICA_URL) that
# serves formulary reads. The master password is managed by RDS in Secrets Manager.
resource "aws_db_subnet_group" "db" {
  name       = "rxtriage-${var.environment}-db"
  subnet_ids = var.private_subnet_ids
}

resource "aws_db_parameter_group" "db" {
  name        = "rxtriage-${var.environment}-pg17"
  family      = "postgres17"
  description = "rxtriage: pg_stat_statements for db_health, TLS only, slow statements logged"

  parameter {
    name         = "shared_preload_libraries"
    value        = "pg_stat_statements"
    apply_method = "pending-reboot"
  }
  parameter {
    name  = "pg_stat_statements.track"
    value = "top"
  }
  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }
  # Statements slower than 250 ms are logged (without their parameters: they may hold patient data).
  parameter {
    name  = "log_min_duration_statement"
    value = "250"
  }
  # Short indexed lookups never pay back JIT compilation (about 36 ms for a fuzzy statement of 3+ names).
  parameter {
    name  = "jit"
    value = "0"
  }
  parameter {
    name  = "log_parameter_max_length"
    value = "0"
  }
  parameter {
    name  = "log_statement"
    value = "ddl"
  }
  parameter {
    name  = "log_min_duration_sample"
    value = "-1"
  }
}

data "aws_iam_policy_document" "rds_monitoring_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "rds_monitoring" {
  name               = "rxtriage-${var.environment}-rds-monitoring"
  assume_role_policy = data.aws_iam_policy_document.rds_monitoring_assume.json
}

resource "aws_iam_role_policy_attachment" "rds_monitoring" {
  role       = aws_iam_role.rds_monitoring.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

resource "aws_db_instance" "primary" {
  identifier                            = "rxtriage-${var.environment}"
  engine                                = "postgres"
  engine_version                        = "17.6"
  instance_class                        = var.db_instance_class
  allocated_storage                     = var.db_allocated_storage
  max_allocated_storage                 = var.db_allocated_storage * 4
  storage_type                          = "gp3"
  storage_encrypted                     = true
  kms_key_id                            = aws_kms_key.rxtriage.arn
  db_name                               = "rxtriage"
  username                              = "rxtriage"
  manage_master_user_password           = true
  master_user_secret_kms_key_id         = aws_kms_key.rxtriage.arn
  iam_database_authentication_enabled   = true
  db_subnet_group_name                  = aws_db_subnet_group.db.name
  parameter_group_name                  = aws_db_parameter_group.db.name
  vpc_security_group_ids                = [aws_security_group.db.id]
  publicly_accessible                   = false
  multi_az                              = true
  backup_retention_period               = 14
  backup_window                         = "02:00-02:45"
  maintenance_window                    = "sun:05:45-sun:06:30"
  copy_tags_to_snapshot                 = true
  deletion_protection                   = true
  skip_final_snapshot                   = false
  final_snapshot_identifier             = "rxtriage-${var.environment}-final"
  auto_minor_version_upgrade            = true
  enabled_cloudwatch_logs_exports       = ["postgresql", "upgrade"]
  performance_insights_enabled          = true
  performance_insights_kms_key_id       = aws_kms_key.rxtriage.arn
  performance_insights_retention_period = 7
  monitoring_interval                   = 30
  monitoring_role_arn                   = aws_iam_role.rds_monitoring.arn
}

resource "aws_db_instance" "replica" {
  #checkov:skip=CKV_AWS_157:The replica only serves formulary reads, which fall back to the Multi-AZ primary when it is down.
  identifier                            = "rxtriage-${var.environment}-replica"
  replicate_source_db                   = aws_db_instance.primary.identifier
  instance_class                        = var.db_instance_class
  storage_type                          = "gp3"
  storage_encrypted                     = true
  kms_key_id                            = aws_kms_key.rxtriage.arn
  parameter_group_name                  = aws_db_parameter_group.db.name
  vpc_security_group_ids                = [aws_security_group.db.id]
  publicly_accessible                   = false
  multi_az                              = false
  iam_database_authentication_enabled   = true
  copy_tags_to_snapshot                 = true
  deletion_protection                   = true
  skip_final_snapshot                   = true
  auto_minor_version_upgrade            = true
  enabled_cloudwatch_logs_exports       = ["postgresql", "upgrade"]
  performance_insights_enabled          = true
  performance_insights_kms_key_id       = aws_kms_key.rxtriage.arn
  performance_insights_retention_period = 7
  monitoring_interval                   = 30
  monitoring_role_arn                   = aws_iam_role.rds_monitoring.arn
}
