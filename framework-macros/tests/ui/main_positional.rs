goblet::main!("orders");
