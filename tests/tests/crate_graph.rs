//! The boundaries the crate graph enforces (ARCHITECTURE.md): the emulator,
//! the shared vocabulary, the app-project tooling, the runtime and the
//! benchmarks never pull in the AWS SDK, so they build in a fraction of the
//! time and cannot call AWS by accident.

use std::collections::{BTreeMap, BTreeSet};

use goblet_tests::build::{cargo, run_cargo, workspace_root};
use serde_json::Value;

/// Packages that must not reach the AWS SDK, directly or transitively
/// (normal and build dependencies; dev-dependencies are tests' own).
const SDK_FREE: [&str; 6] = [
    "goblet-core",
    "goblet-local",
    "goblet-project",
    "goblet",
    "goblet-bench",
    "goblet-tests",
];

fn is_sdk(name: &str) -> bool {
    name.starts_with("aws-sdk-") || name == "aws-config"
}

struct Graph {
    /// Package id → name.
    names: BTreeMap<String, String>,
    /// Package id → the ids it depends on (normal and build kinds).
    deps: BTreeMap<String, Vec<String>>,
}

fn graph() -> Graph {
    let mut command = cargo();
    command
        .current_dir(workspace_root())
        .args(["metadata", "--format-version", "1", "--locked"]);
    let output = run_cargo(command).unwrap_or_else(|e| panic!("{e}"));
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata JSON");
    let names = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            (
                p["id"].as_str().expect("id").to_owned(),
                p["name"].as_str().expect("name").to_owned(),
            )
        })
        .collect();
    let deps = metadata["resolve"]["nodes"]
        .as_array()
        .expect("resolve.nodes")
        .iter()
        .map(|node| {
            let id = node["id"].as_str().expect("id").to_owned();
            let deps = node["deps"]
                .as_array()
                .expect("deps")
                .iter()
                .filter(|dep| {
                    dep["dep_kinds"].as_array().is_some_and(|kinds| {
                        kinds.iter().any(|k| k["kind"].as_str() != Some("dev"))
                    })
                })
                .map(|dep| dep["pkg"].as_str().expect("pkg").to_owned())
                .collect();
            (id, deps)
        })
        .collect();
    Graph { names, deps }
}

impl Graph {
    fn id_of(&self, name: &str) -> &str {
        self.names
            .iter()
            .find(|(_, n)| n.as_str() == name)
            .map(|(id, _)| id.as_str())
            .unwrap_or_else(|| panic!("no package {name} in the workspace"))
    }

    /// The first SDK crate reachable from `root`, with the path to it.
    fn path_to_sdk(&self, root: &str) -> Option<Vec<String>> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![vec![root.to_owned()]];
        while let Some(path) = stack.pop() {
            let last = path.last().expect("non-empty");
            if !seen.insert(last.clone()) {
                continue;
            }
            if is_sdk(&self.names[last]) {
                return Some(path.iter().map(|id| self.names[id].clone()).collect());
            }
            for dep in self.deps.get(last).into_iter().flatten() {
                let mut next = path.clone();
                next.push(dep.clone());
                stack.push(next);
            }
        }
        None
    }
}

#[test]
fn the_emulator_vocabulary_runtime_and_benchmarks_build_without_the_aws_sdk() {
    let graph = graph();
    let offenders: Vec<String> = SDK_FREE
        .iter()
        .filter_map(|name| graph.path_to_sdk(graph.id_of(name)))
        .map(|path| path.join(" -> "))
        .collect();
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
}

#[test]
fn the_check_itself_sees_the_sdk_where_it_is() {
    // The deploy engine and the CLI do use the SDK: a walk that found nothing
    // there would prove nothing about the packages above.
    let graph = graph();
    for name in ["goblet-deploy", "goblet-cli"] {
        let path = graph.path_to_sdk(graph.id_of(name));
        assert!(path.is_some(), "{name} should reach an aws-sdk-* crate");
    }
}
