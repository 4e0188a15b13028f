import VigilTestSupport
print("mock")
