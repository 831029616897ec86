resource "aws_neptune_cluster" "graph" {
  storage_encrypted = true
  kms_key_arn       = aws_kms_key.graph.arn
# the closing brace is missing
