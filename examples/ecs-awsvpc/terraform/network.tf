# VPC 10.0.0.0/16, as in ../aws: private subnets 10.0.1.0/24 and 10.0.2.0/24
# for the tasks in two AZs, public subnets for the load balancer (which needs
# two AZs; the first is 10.0.0.0/24).
locals {
  azs = ["eu-west-1a", "eu-west-1b"]
}

resource "aws_vpc" "main" {
  cidr_block           = "10.0.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = { Name = "prod" }
}

resource "aws_subnet" "private" {
  count             = length(local.azs)
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index + 1)
  availability_zone = local.azs[count.index]
  tags              = { Name = "private-${local.azs[count.index]}" }
}

resource "aws_subnet" "public" {
  count                   = 2
  vpc_id                  = aws_vpc.main.id
  cidr_block              = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index * 100)
  availability_zone       = local.azs[count.index]
  map_public_ip_on_launch = true
  tags                    = { Name = "public-${local.azs[count.index]}" }
}
