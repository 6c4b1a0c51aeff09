//! One module per AWS resource goblet deploys, each holding that resource's
//! observation (what exists, reads only), its planner (the steps that turn
//! what exists into what the target asks for) and the apply functions for
//! its steps (one AWS call per step). `observe`, `plan` and `apply` gather,
//! order and dispatch them.

use std::collections::BTreeMap;

use crate::aws::AwsError;
use crate::target::{TAG_APP, TAG_STAGE, Target};

pub mod authorizer_permission;
pub mod event_function;
pub mod function;
pub mod log_group;
pub mod permission;
pub mod rest_api;
pub mod role;
pub mod rule;
pub mod usage_plan;

/// Whether goblet made this resource for `target`: it carries goblet's tags.
/// A role or function of the same name that does not is the user's own, and
/// goblet must neither take it over nor delete it later.
pub fn tagged_for(tags: &BTreeMap<String, String>, target: &Target) -> bool {
    goblet_tags(tags, &target.app_name, &target.stage)
}

/// Every item of a listing API Gateway pages by `position`: `page` fetches
/// the page at a position, giving its items and the next position.
pub async fn every_page<T, F, Fut>(mut page: F) -> Result<Vec<T>, AwsError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), AwsError>>,
{
    let mut items = Vec::new();
    let mut position = None;
    loop {
        let (mut got, next) = page(position.clone()).await?;
        items.append(&mut got);
        // A position that does not move would page forever.
        if next.is_none() || next == position {
            return Ok(items);
        }
        position = next;
    }
}

/// Of listed resources, the recorded one (by id), else the first that is
/// `ours` (named and tagged for this app and stage): a recorded resource is
/// goblet's whatever its name, and wins over a namesake listed before it.
pub fn recorded_or_ours<'a, T>(
    items: &'a [T],
    recorded: Option<&str>,
    id: impl Fn(&T) -> Option<&str>,
    ours: impl Fn(&T) -> bool,
) -> Option<&'a T> {
    recorded
        .and_then(|wanted| items.iter().find(|item| id(item) == Some(wanted)))
        .or_else(|| items.iter().find(|item| ours(item)))
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
