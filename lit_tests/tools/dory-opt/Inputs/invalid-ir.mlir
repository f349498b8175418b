"func.func"() <{function_type = (si8) -> si8, sym_name = "bad_return"}> ({
^bb0(%a: si8):
  "func.return"() : () -> ()
}) : () -> ()
