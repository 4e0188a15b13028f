import VigilRuntime
print("vigil")
