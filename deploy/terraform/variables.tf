variable "region" {
  description = "AWS region."
  type        = string
  default     = "eu-west-1"
}

variable "environment" {
  description = "Environment name, part of every resource name (e.g. prod, staging)."
  type        = string
  default     = "prod"
}

variable "vpc_id" {
  description = "The VPC of the app hosts, the cache and the database."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets in at least two availability zones (cache and database live here)."
  type        = list(string)
  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "Give private subnets in at least two availability zones."
  }
}

variable "availability_zones" {
  description = "Two availability zones of the private subnets: the Redis primary and its replica."
  type        = list(string)
  validation {
    condition     = length(var.availability_zones) == 2
    error_message = "Give exactly two availability zones."
  }
}

variable "redis_node_type" {
  description = "ElastiCache node type (the seed's sizing: cache.t4g.small up to 100k users)."
  type        = string
  default     = "cache.t4g.small"
}

variable "db_instance_class" {
  description = "RDS instance class of the primary and of the read replica."
  type        = string
  default     = "db.t4g.medium"
}

variable "db_allocated_storage" {
  description = "Database storage in GiB."
  type        = number
  default     = 50
}

variable "alarm_email" {
  description = "Where CloudWatch alarms are sent (an SNS e-mail subscription); empty for none."
  type        = string
  default     = ""
}
