"""The life of the classifier in the site: the registry of model versions, training
data and datasets, training, retraining and evaluation, and the evaluation reports."""
