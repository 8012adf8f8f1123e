# rxtriage on AWS: ElastiCache for Redis (TLS, AUTH, automatic failover), RDS PostgreSQL with one read
# replica, security groups that admit only the app, CloudWatch alarms. See docs/operations.md.
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.6"
    }
  }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = {
      Application = "rxtriage"
      Environment = var.environment
    }
  }
}
