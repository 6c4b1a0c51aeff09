goblet::app!(name = "orders");
