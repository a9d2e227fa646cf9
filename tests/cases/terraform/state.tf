# Source of tests/cases/terraform-state.json: its one document is the output of
# `terraform show -json` (terraform 1.11.4, hashicorp/aws 5.100.0) after
# `terraform apply` and `terraform apply -refresh-only` against moto_server
# (5.x, account 123456789012) listening on 127.0.0.1:5123.  The ids in the
# case's queries are the ones moto assigned.

terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "x"
  secret_key                  = "x"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {
    ec2 = "http://127.0.0.1:5123"
    sts = "http://127.0.0.1:5123"
  }
}
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}
resource "aws_security_group" "client" {
  name   = "client"
  vpc_id = aws_vpc.main.id
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_security_group" "all_zero" {
  name   = "all-zero-ports"
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["10.0.1.0/24"]
  }
}
resource "aws_security_group" "selfref" {
  name   = "workers"
  vpc_id = aws_vpc.main.id
  ingress {
    from_port = 5000
    to_port   = 5000
    protocol  = "tcp"
    self      = true
  }
  egress {
    from_port       = 443
    to_port         = 443
    protocol        = "6"
    security_groups = [aws_security_group.all_zero.id]
  }
}
resource "aws_security_group" "numeric" {
  name   = "numeric"
  vpc_id = aws_vpc.main.id
}
resource "aws_vpc_security_group_ingress_rule" "num6" {
  security_group_id = aws_security_group.numeric.id
  ip_protocol       = "6"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "10.0.1.0/24"
}
resource "aws_vpc_security_group_ingress_rule" "all" {
  security_group_id            = aws_security_group.numeric.id
  ip_protocol                  = "-1"
  referenced_security_group_id = aws_security_group.selfref.id
}
resource "aws_security_group_rule" "udp" {
  type              = "ingress"
  security_group_id = aws_security_group.numeric.id
  protocol          = "17"
  from_port         = 53
  to_port           = 53
  cidr_blocks       = ["10.0.1.0/24"]
}
resource "aws_network_interface" "client" {
  subnet_id       = aws_subnet.a.id
  private_ips     = ["10.0.1.10"]
  security_groups = [aws_security_group.client.id]
}
resource "aws_network_interface" "w1" {
  subnet_id       = aws_subnet.a.id
  private_ips     = ["10.0.1.20"]
  security_groups = [aws_security_group.selfref.id]
}
resource "aws_network_interface" "n" {
  subnet_id       = aws_subnet.a.id
  private_ips     = ["10.0.1.30"]
  security_groups = [aws_security_group.numeric.id, aws_security_group.all_zero.id]
}
resource "aws_network_interface" "w2" {
  subnet_id       = aws_subnet.a.id
  private_ips     = ["10.0.1.21"]
  security_groups = [aws_security_group.selfref.id]
}
