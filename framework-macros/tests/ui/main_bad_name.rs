goblet::main!(app_name = "orders api");
