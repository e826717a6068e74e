import keras
from keras import layers

left = keras.Input(shape=(40,), dtype="int32")
right = keras.Input(shape=(40,), dtype="int32")

encoded = []
for tokens in (left, right):
    x = layers.Embedding(5000, 64)(tokens)
    x = layers.LSTM(32)(x)
    encoded.append(layers.Dense(16)(x))

distance = layers.Subtract()(encoded)
model = keras.Model([left, right], distance)
