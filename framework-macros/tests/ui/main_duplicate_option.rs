goblet::main!(app_name = "orders", app_name = "payments");
