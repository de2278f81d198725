# Routing stage (placeholder until the routing rules land).


def routing_artifacts():
    return []
