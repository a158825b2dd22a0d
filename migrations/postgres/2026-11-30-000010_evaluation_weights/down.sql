DROP TABLE evaluation_weights;
