# Neptune clusters, one row each.
resource "aws_neptune_cluster" "cmk" {
  cluster_identifier = "graph-cmk"
  storage_encrypted  = true
  kms_key_arn        = aws_kms_key.graph.arn
}

resource "aws_neptune_cluster" "by_alias" {
  cluster_identifier = "graph-alias"
  storage_encrypted  = true
  kms_key_arn        = aws_kms_alias.graph.target_key_arn
}

resource "aws_neptune_cluster" "by_local" {
  storage_encrypted = true
  kms_key_arn       = local.graph_key
}

resource "aws_neptune_cluster" "default_key" {
  cluster_identifier = "graph-default"
  storage_encrypted  = true
}

resource "aws_neptune_cluster" "unencrypted" {
  cluster_identifier = "graph-plain"
}

resource "aws_neptune_cluster" "aws_managed_data" {
  storage_encrypted = true
  kms_key_arn       = data.aws_kms_alias.rds.target_key_arn
}

resource "aws_neptune_cluster" "managed_default" {
  storage_encrypted = true
  kms_key_arn       = var.managed_alias
}

resource "aws_neptune_cluster" "conditional" {
  storage_encrypted = true
  kms_key_arn       = local.chosen_key
}

resource "aws_neptune_cluster" "no_default" {
  storage_encrypted = true
  kms_key_arn       = var.key_arn
}

resource "aws_neptune_cluster" "shared" {
  storage_encrypted = true
  kms_key_arn       = data.aws_kms_key.shared.arn
}

resource "aws_neptune_cluster" "literal" {
  storage_encrypted = "true"
  kms_key_arn       = "arn:aws:kms:us-east-1:111122223333:key/1111aaaa-11aa-11aa-11aa-111111aaaaaa"
}

resource "aws_neptune_cluster" "disabled_key" {
  storage_encrypted = true
  kms_key_arn       = aws_kms_key.retired.arn
}

resource "aws_neptune_cluster" "fleet" {
  count             = 3
  storage_encrypted = true
  kms_key_arn       = aws_kms_key.graph.arn
}

resource "aws_neptune_cluster" "per_team" {
  for_each          = toset(["a", "b"])
  storage_encrypted = var.use_cmk
}

resource "aws_neptune_cluster" "from_module" {
  storage_encrypted = true
  kms_key_arn       = module.keys.arn
}

resource "aws_neptune_cluster" "cycle" {
  storage_encrypted = true
  kms_key_arn       = local.loop
}

resource "aws_neptune_cluster" "restored" {
  snapshot_identifier = "graph-final"
}

resource "aws_neptune_global_cluster" "plain" {
  global_cluster_identifier = "graph-global"
  engine                    = "neptune"
  storage_encrypted         = false
}

# Not Neptune: never judged.
resource "aws_rds_cluster" "aurora" {
  engine            = "aurora-postgresql"
  storage_encrypted = false
}
