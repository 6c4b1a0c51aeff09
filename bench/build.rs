//! The route sets of the `dispatch_routes_*` benchmarks (see routes_gen.rs).

#[path = "routes_gen.rs"]
mod routes_gen;

fn main() {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    for count in [10, 100, 400] {
        std::fs::write(
            out.join(format!("routes_{count}.rs")),
            routes_gen::routes_source(count),
        )
        .expect("write the generated routes");
    }
    println!("cargo:rerun-if-changed=routes_gen.rs");
}
