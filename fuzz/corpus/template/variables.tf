variable "use_cmk" {
  type    = bool
  default = true
}

variable "key_arn" {
  type        = string
  description = "No default: set at plan time."
}

variable "managed_alias" {
  type    = string
  default = "alias/aws/rds"
}

locals {
  graph_key  = aws_kms_key.graph.arn
  chosen_key = var.use_cmk ? aws_kms_key.graph.arn : data.aws_kms_alias.rds.target_key_arn
  loop       = local.loop
}
