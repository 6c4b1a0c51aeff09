goblet::main!(app_name = "");
