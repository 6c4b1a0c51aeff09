goblet::app!("orders");
