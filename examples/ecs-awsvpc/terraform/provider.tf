# The provider talks to whatever endpoint export.sh passes: a local
# moto_server, so that the example's JSON is produced offline and is the
# provider's own output rather than hand-written.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

variable "endpoint" {
  description = "AWS API endpoint (export.sh sets it to moto_server)"
  type        = string
}

provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  endpoints {
    ec2            = var.endpoint
    ecs            = var.endpoint
    elbv2          = var.endpoint
    iam            = var.endpoint
    sts            = var.endpoint
    cloudwatchlogs = var.endpoint
  }
}
