goblet::app!(app_name = "orders api");
