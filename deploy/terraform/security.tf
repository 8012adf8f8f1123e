# One customer-managed key for everything at rest: the cache, the database, the secrets, the alarms topic.
data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:A key policy's resource is always "*" (the key itself); the account root is its administrator.
  #checkov:skip=CKV_AWS_111:A key policy's resource is always "*" (the key itself); the account root is its administrator.
  #checkov:skip=CKV_AWS_356:A key policy's resource is always "*" (the key itself).
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
  statement {
    sid       = "CloudWatchAlarmsPublish"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
  }
}

resource "aws_kms_key" "rxtriage" {
  description             = "rxtriage ${var.environment}: cache, database, secrets and alarms at rest"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "rxtriage" {
  name          = "alias/rxtriage-${var.environment}"
  target_key_id = aws_kms_key.rxtriage.key_id
}

# The app hosts carry this group; the cache and the database admit it and nothing else.
resource "aws_security_group" "app" {
  #checkov:skip=CKV2_AWS_5:Attached to the app hosts, which live outside this stack (output app_security_group_id).
  name        = "rxtriage-${var.environment}-app"
  description = "rxtriage app hosts"
  vpc_id      = var.vpc_id
}

resource "aws_security_group" "redis" {
  name        = "rxtriage-${var.environment}-redis"
  description = "ElastiCache Redis of rxtriage: the app only"
  vpc_id      = var.vpc_id
}

resource "aws_security_group" "db" {
  name        = "rxtriage-${var.environment}-db"
  description = "RDS PostgreSQL of rxtriage: the app only"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "redis_from_app" {
  security_group_id            = aws_security_group.redis.id
  description                  = "Redis (TLS) from the app hosts"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  referenced_security_group_id = aws_security_group.app.id
}

resource "aws_vpc_security_group_ingress_rule" "db_from_app" {
  security_group_id            = aws_security_group.db.id
  description                  = "PostgreSQL from the app hosts"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.app.id
}

resource "aws_vpc_security_group_egress_rule" "app_to_redis" {
  security_group_id            = aws_security_group.app.id
  description                  = "The app reaches Redis"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  referenced_security_group_id = aws_security_group.redis.id
}

resource "aws_vpc_security_group_egress_rule" "app_to_db" {
  security_group_id            = aws_security_group.app.id
  description                  = "The app reaches PostgreSQL"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.db.id
}

# The Redis AUTH token lives in Secrets Manager; the app reads it into REDIS_PASSWORD at start.
resource "random_password" "redis_auth" {
  length           = 64
  special          = true
  override_special = "!&#$^<>-"
}

resource "aws_secretsmanager_secret" "redis_auth" {
  #checkov:skip=CKV2_AWS_57:An ElastiCache AUTH token is rotated with ModifyReplicationGroup (ROTATE then SET), not by a Secrets Manager rotation function; docs/operations.md gives the steps.
  name        = "rxtriage/${var.environment}/redis-auth-token"
  description = "AUTH token of the rxtriage ElastiCache replication group (REDIS_PASSWORD)"
  kms_key_id  = aws_kms_key.rxtriage.arn
}

resource "aws_secretsmanager_secret_version" "redis_auth" {
  secret_id     = aws_secretsmanager_secret.redis_auth.id
  secret_string = random_password.redis_auth.result
}
