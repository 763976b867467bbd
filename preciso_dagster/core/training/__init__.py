"""Line-item concept classifier: candidates, approvals, training, MLflow registry and serving."""
