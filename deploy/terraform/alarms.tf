# CloudWatch alarms with the seed's thresholds (cache hit rate under 85%, CPU over 80%, memory over 85%,
# any eviction), per Redis node, plus the database's CPU, storage and replica lag.
resource "aws_sns_topic" "alarms" {
  name              = "rxtriage-${var.environment}-alarms"
  kms_master_key_id = aws_kms_key.rxtriage.arn
}

resource "aws_sns_topic_subscription" "alarms_email" {
  count     = var.alarm_email == "" ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  redis_nodes = aws_elasticache_replication_group.redis.member_clusters
  redis_alarms = {
    hit-rate = {
      metric = "CacheHitRate", comparison = "LessThanThreshold", threshold = 85, periods = 3,
      text   = "Redis hit rate under 85% for 15 minutes (runbook: low hit rate)"
    }
    cpu = {
      metric = "EngineCPUUtilization", comparison = "GreaterThanThreshold", threshold = 80, periods = 3,
      text   = "Redis engine CPU over 80% for 15 minutes"
    }
    memory = {
      metric = "DatabaseMemoryUsagePercentage", comparison = "GreaterThanThreshold", threshold = 85, periods = 2,
      text   = "Redis memory over 85% (runbook: Redis memory pressure)"
    }
    evictions = {
      metric = "Evictions", comparison = "GreaterThanThreshold", threshold = 0, periods = 1,
      text   = "Redis evicted keys: the cache is too small (runbook: Redis memory pressure)"
    }
  }
  redis_node_alarms = {
    for pair in setproduct(tolist(local.redis_nodes), keys(local.redis_alarms)) :
    "${pair[0]}-${pair[1]}" => merge(local.redis_alarms[pair[1]], { node = pair[0] })
  }
}

resource "aws_cloudwatch_metric_alarm" "redis" {
  for_each            = local.redis_node_alarms
  alarm_name          = "rxtriage-${var.environment}-redis-${each.key}"
  alarm_description   = each.value.text
  namespace           = "AWS/ElastiCache"
  metric_name         = each.value.metric
  dimensions          = { CacheClusterId = each.value.node }
  statistic           = each.value.metric == "Evictions" ? "Sum" : "Average"
  period              = 300
  evaluation_periods  = each.value.periods
  threshold           = each.value.threshold
  comparison_operator = each.value.comparison
  treat_missing_data  = "missing"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "db_cpu" {
  for_each            = { primary = aws_db_instance.primary.identifier, replica = aws_db_instance.replica.identifier }
  alarm_name          = "rxtriage-${var.environment}-db-${each.key}-cpu"
  alarm_description   = "Database CPU over 80% for 15 minutes (runbook: slow queries)"
  namespace           = "AWS/RDS"
  metric_name         = "CPUUtilization"
  dimensions          = { DBInstanceIdentifier = each.value }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  threshold           = 80
  comparison_operator = "GreaterThanThreshold"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "db_storage" {
  alarm_name          = "rxtriage-${var.environment}-db-free-storage"
  alarm_description   = "Database free storage under 10% of its allocation"
  namespace           = "AWS/RDS"
  metric_name         = "FreeStorageSpace"
  dimensions          = { DBInstanceIdentifier = aws_db_instance.primary.identifier }
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 2
  threshold           = var.db_allocated_storage * 1024 * 1024 * 1024 * 0.1
  comparison_operator = "LessThanThreshold"
  alarm_actions       = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "replica_lag" {
  alarm_name          = "rxtriage-${var.environment}-db-replica-lag"
  alarm_description   = "Read replica over 30 s behind (formulary versions are always read from the primary)"
  namespace           = "AWS/RDS"
  metric_name         = "ReplicaLag"
  dimensions          = { DBInstanceIdentifier = aws_db_instance.replica.identifier }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  threshold           = 30
  comparison_operator = "GreaterThanThreshold"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}
