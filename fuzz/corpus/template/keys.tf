# The module's own keys: customer managed, one disabled, one behind an alias.
resource "aws_kms_key" "graph" {
  description         = "Neptune data"
  enable_key_rotation = true
}

resource "aws_kms_key" "retired" {
  description = "Disabled on purpose"
  is_enabled  = false
}

resource "aws_kms_alias" "graph" {
  name          = "alias/graph-data"
  target_key_id = aws_kms_key.graph.key_id
}

# Data sources: the AWS managed key by its alias, and a key this module does
# not define (only DescribeKey can tell who manages it).
data "aws_kms_alias" "rds" {
  name = "alias/aws/rds"
}

data "aws_kms_key" "shared" {
  key_id = "arn:aws:kms:us-east-1:111122223333:key/2222bbbb-22bb-22bb-22bb-222222bbbbbb"
}
