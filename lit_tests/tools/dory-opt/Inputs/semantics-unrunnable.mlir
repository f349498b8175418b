"func.func"() <{function_type = (si8) -> si8, sym_name = "opaque"}> ({
^bb0(%a: si8):
  %b = "test.op"(%a) : (si8) -> si8
  "func.return"(%b) : (si8) -> ()
}) : () -> ()
