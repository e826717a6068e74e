from keras import Input, layers

tokens = Input(shape=5)
x = layers.Embedding(1000, 16)(Input(shape=(20,)))
x = layers.LSTM(32)(x)
x = layers.LSTM(32)(x)
