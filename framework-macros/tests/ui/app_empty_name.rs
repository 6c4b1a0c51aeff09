goblet::app!(app_name = "");
