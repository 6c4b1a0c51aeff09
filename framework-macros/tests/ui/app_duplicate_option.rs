goblet::app!(app_name = "orders", app_name = "payments");
