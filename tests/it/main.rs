mod revring_client;
