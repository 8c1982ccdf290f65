"""HTTP plumbing every feature shares: capped request bodies, the web app and its
page headers, common dependencies and the URLs the platform builds."""
