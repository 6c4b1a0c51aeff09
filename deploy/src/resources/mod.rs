//! One module per AWS resource goblet deploys, each holding that resource's
//! observation (what exists, reads only), its planner (the steps that turn
//! what exists into what the target asks for) and the apply functions for
//! its steps (one AWS call per step). `observe`, `plan` and `apply` gather,
//! order and dispatch them.

use std::collections::BTreeMap;

use crate::target::{TAG_APP, TAG_STAGE, Target};

pub mod authorizer_permission;
pub mod function;
pub mod log_group;
pub mod permission;
pub mod rest_api;
pub mod role;
pub mod usage_plan;

/// Whether goblet made this resource for `target`: it carries goblet's tags.
/// A role or function of the same name that does not is the user's own, and
/// goblet must neither take it over nor delete it later.
pub fn tagged_for(tags: &BTreeMap<String, String>, target: &Target) -> bool {
    goblet_tags(tags, &target.app_name, &target.stage)
}

/// Whether `tags` are goblet's for this app and stage.
pub fn goblet_tags(tags: &BTreeMap<String, String>, app: &str, stage: &str) -> bool {
    tags.get(TAG_APP).map(String::as_str) == Some(app)
        && tags.get(TAG_STAGE).map(String::as_str) == Some(stage)
}

/// The tags to set (new or changed) and the keys to remove to turn `current`
/// into `wanted`; AWS's own `aws:` tags are not goblet's to remove.
pub fn tag_changes(
    current: &BTreeMap<String, String>,
    wanted: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, Vec<String>) {
    let set = wanted
        .iter()
        .filter(|(k, v)| current.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let remove = current
        .keys()
        .filter(|k| !wanted.contains_key(*k) && !k.starts_with("aws:"))
        .cloned()
        .collect();
    (set, remove)
}

/// `k=v,k2=v2`, for a plan's description.
pub fn tag_list(tags: &BTreeMap<String, String>) -> String {
    let pairs: Vec<String> = tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
    pairs.join(",")
}
