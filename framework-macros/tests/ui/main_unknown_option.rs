goblet::main!(name = "orders");
