output "redis_url" {
  description = "REDIS_URL of the app (TLS); REDIS_PASSWORD comes from the secret redis_auth_secret_arn."
  value       = "rediss://${aws_elasticache_replication_group.redis.primary_endpoint_address}:6379/0"
}

output "redis_auth_secret_arn" {
  description = "Secrets Manager secret holding the Redis AUTH token (REDIS_PASSWORD)."
  value       = aws_secretsmanager_secret.redis_auth.arn
}

output "database_host" {
  description = "Host of the primary (DATABASE_URL)."
  value       = aws_db_instance.primary.address
}

output "database_replica_host" {
  description = "Host of the read replica (DATABASE_REPLICA_URL)."
  value       = aws_db_instance.replica.address
}

output "database_master_secret_arn" {
  description = "Secrets Manager secret of the database master user (managed by RDS)."
  value       = aws_db_instance.primary.master_user_secret[0].secret_arn
}

output "app_security_group_id" {
  description = "Attach this security group to the app hosts: the cache and the database admit only it."
  value       = aws_security_group.app.id
}
