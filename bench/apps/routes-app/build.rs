//! The app's routes: `GOBLET_BENCH_ROUTES` of them (default 10), generated
//! by `bench/routes_gen.rs` (`bench/run.sh` builds 10, 100 and 400).

#[path = "../../routes_gen.rs"]
mod routes_gen;

fn main() {
    let count = match std::env::var("GOBLET_BENCH_ROUTES") {
        Ok(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .unwrap_or_else(|| {
                panic!("GOBLET_BENCH_ROUTES={text:?}: expected a count of routes ≥ 1")
            }),
        Err(_) => 10,
    };
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    std::fs::write(out.join("routes.rs"), routes_gen::routes_source(count))
        .expect("write the generated routes");
    println!("cargo:rerun-if-env-changed=GOBLET_BENCH_ROUTES");
    println!("cargo:rerun-if-changed=../../routes_gen.rs");
}
