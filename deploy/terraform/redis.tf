# ElastiCache for Redis, cluster mode disabled: a primary and a replica in two availability zones,
# automatic failover, TLS in transit, AUTH token, encrypted at rest. rxtriage's REDIS_URL is
# rediss://<primary endpoint>:6379/0 and REDIS_PASSWORD the secret above.
resource "aws_elasticache_subnet_group" "redis" {
  name       = "rxtriage-${var.environment}-redis"
  subnet_ids = var.private_subnet_ids
}

resource "aws_elasticache_parameter_group" "redis" {
  name        = "rxtriage-${var.environment}-redis7"
  family      = "redis7"
  description = "rxtriage drug cache: evict least recently used keys when full"

  # Every key carries a TTL (24 h found, 15 min not found), so volatile-lru would do too; allkeys-lru
  # keeps the cache serving if a key ever lacks one.
  parameter {
    name  = "maxmemory-policy"
    value = "allkeys-lru"
  }
  # Reclaim idle client connections of app workers that went away without closing.
  parameter {
    name  = "timeout"
    value = "300"
  }
}

resource "aws_elasticache_replication_group" "redis" {
  replication_group_id        = "rxtriage-${var.environment}"
  description                 = "rxtriage drug cache (L2)"
  engine                      = "redis"
  engine_version              = "7.1"
  node_type                   = var.redis_node_type
  port                        = 6379
  num_cache_clusters          = 2
  preferred_cache_cluster_azs = var.availability_zones
  automatic_failover_enabled  = true
  multi_az_enabled            = true
  parameter_group_name        = aws_elasticache_parameter_group.redis.name
  subnet_group_name           = aws_elasticache_subnet_group.redis.name
  security_group_ids          = [aws_security_group.redis.id]
  transit_encryption_enabled  = true
  transit_encryption_mode     = "required"
  auth_token                  = aws_secretsmanager_secret_version.redis_auth.secret_string
  auth_token_update_strategy  = "ROTATE"
  at_rest_encryption_enabled  = true
  kms_key_id                  = aws_kms_key.rxtriage.arn
  auto_minor_version_upgrade  = true
  snapshot_retention_limit    = 1
  snapshot_window             = "03:00-04:00"
  maintenance_window          = "sun:04:30-sun:05:30"
  apply_immediately           = false
}
