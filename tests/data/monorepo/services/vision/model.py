from keras import Input, layers

a = Input(shape=(3,))
b = Input(shape=(4,))
c = layers.Add()([a, b])
d = layers.Reshape((7, 7))(b)
