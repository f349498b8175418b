// Every pipeline error is a located diagnostic (column in the -p string) that says what exists
// or what was expected, and the exit status is 1.

// RUN: not dory-opt %s -p 'canonicalize,cse,canonicalise' 2>&1 | filecheck %s --check-prefix=UNKNOWN-PASS
// UNKNOWN-PASS: <pass-pipeline>:1:18: error: unknown pass or pipeline 'canonicalise' (did you mean 'canonicalize'?); known passes: {{.*}}canonicalize, cse, {{.*}}; pipelines: default

// RUN: not dory-opt %s -p 'canonicalize{max-iteration=3}' 2>&1 | filecheck %s --check-prefix=UNKNOWN-OPTION
// UNKNOWN-OPTION: <pass-pipeline>:1:14: error: unknown option 'max-iteration' for pass 'canonicalize' (did you mean 'max-iterations'?); its options are: max-iterations (int), test-convergence (bool)

// RUN: not dory-opt %s -p 'cse{x=1}' 2>&1 | filecheck %s --check-prefix=NO-OPTIONS
// NO-OPTIONS: <pass-pipeline>:1:5: error: unknown option 'x' for pass 'cse'; its options are: none

// RUN: not dory-opt %s -p 'canonicalize{max-iterations=many}' 2>&1 | filecheck %s --check-prefix=BAD-INT
// BAD-INT: <pass-pipeline>:1:29: error: option 'max-iterations' of pass 'canonicalize' expects an integer, found 'many'

// RUN: not dory-opt %s -p 'canonicalize{max-iterations="3"}' 2>&1 | filecheck %s --check-prefix=QUOTED-INT
// QUOTED-INT: <pass-pipeline>:1:29: error: option 'max-iterations' of pass 'canonicalize' expects an integer, found '3'

// RUN: not dory-opt %s -p 'canonicalize{test-convergence=yes}' 2>&1 | filecheck %s --check-prefix=BAD-BOOL
// BAD-BOOL: <pass-pipeline>:1:31: error: option 'test-convergence' of pass 'canonicalize' expects true or false, found 'yes'

// RUN: not dory-opt %s -p 'canonicalize{max-iterations=1,2}' 2>&1 | filecheck %s --check-prefix=TOO-MANY
// TOO-MANY: <pass-pipeline>:1:31: error: option 'max-iterations' of pass 'canonicalize' expects one int value, found 2 (options are separated by spaces; commas separate the values of a list)

// RUN: not dory-opt %s -p 'canonicalize{max-iterations}' 2>&1 | filecheck %s --check-prefix=NEEDS-VALUE
// NEEDS-VALUE: <pass-pipeline>:1:14: error: option 'max-iterations' of pass 'canonicalize' needs a value (int)

// RUN: not dory-opt %s -p 'canonicalize{max-iterations=0}' 2>&1 | filecheck %s --check-prefix=POST-INIT
// POST-INIT: <pass-pipeline>:1:1: error: bad options for pass 'canonicalize': max-iterations must be at least 1, found 0

// RUN: not dory-opt %s -p 'canonicalize{max-iterations=2 max-iterations=3}' 2>&1 | filecheck %s --check-prefix=TWICE
// TWICE: <pass-pipeline>:1:31: error: option 'max-iterations' is given twice

// RUN: not dory-opt %s -p 'canonicalize{max-iterations=2,test-convergence}' 2>&1 | filecheck %s --check-prefix=COMMA
// COMMA: <pass-pipeline>:1:31: error: option 'max-iterations' of pass 'canonicalize' expects one int value, found 2 (options are separated by spaces; commas separate the values of a list)

// RUN: not dory-opt %s -p 'canonicalize{max-iterations=2, test-convergence}' 2>&1 | filecheck %s --check-prefix=COMMA-SPACE
// COMMA-SPACE: <pass-pipeline>:1:31: error: expected a value after ',' in option 'max-iterations', found ' ' (list values are separated by commas without spaces)

// RUN: not dory-opt %s -p 'canonicalize{test-convergence,max-iterations=2}' 2>&1 | filecheck %s --check-prefix=BARE-COMMA
// BARE-COMMA: <pass-pipeline>:1:30: error: expected a space or '}' after option 'test-convergence', found ',' (options are separated by spaces, list values by commas)

// RUN: not dory-opt %s -p 'canonicalize{max-iterations="2}' 2>&1 | filecheck %s --check-prefix=UNTERMINATED
// UNTERMINATED: <pass-pipeline>:1:29: error: unterminated string in option 'max-iterations'

// RUN: not dory-opt %s -p 'canonicalize{max-iterations=2' 2>&1 | filecheck %s --check-prefix=UNCLOSED
// UNCLOSED: <pass-pipeline>:1:30: error: expected '}' to close the options, found end of pipeline

// RUN: not dory-opt %s -p 'cse,' 2>&1 | filecheck %s --check-prefix=TRAILING-COMMA
// TRAILING-COMMA: <pass-pipeline>:1:5: error: expected a pass name, found end of pipeline

// RUN: not dory-opt %s -p 'cse cse' 2>&1 | filecheck %s --check-prefix=MISSING-COMMA
// MISSING-COMMA: <pass-pipeline>:1:5: error: expected ',' or end of pipeline, found 'c'

// RUN: not dory-opt %s -p 'builtin.module(cse' 2>&1 | filecheck %s --check-prefix=UNCLOSED-ANCHOR
// UNCLOSED-ANCHOR: <pass-pipeline>:1:19: error: expected ')' to close 'builtin.module(', found end of pipeline

// RUN: not dory-opt %s -p 'func.func(cse)' 2>&1 | filecheck %s --check-prefix=OTHER-ANCHOR
// OTHER-ANCHOR: <pass-pipeline>:1:1: error: unsupported anchor 'func.func': dory's passes transform the whole module, so a pipeline can only be anchored on 'builtin.module'

// RUN: not dory-opt %s -p 'builtin.module(builtin.module(cse))' 2>&1 | filecheck %s --check-prefix=NESTED-ANCHOR
// NESTED-ANCHOR: <pass-pipeline>:1:16: error: 'builtin.module(...)' cannot be nested

// RUN: not dory-opt %s -p 'builtin.module(cse),canonicalize' 2>&1 | filecheck %s --check-prefix=PARTIAL-ANCHOR
// PARTIAL-ANCHOR: <pass-pipeline>:1:1: error: 'builtin.module(...)' must enclose the whole pipeline

// RUN: not dory-opt %s -p 'default{max-iterations=2}' 2>&1 | filecheck %s --check-prefix=PIPELINE-OPTIONS
// PIPELINE-OPTIONS: <pass-pipeline>:1:1: error: pipeline 'default' takes no options

// Nothing is run or printed when the pipeline is bad.
// RUN: not dory-opt %s -p 'nope' 2>/dev/null | filecheck %s --check-prefix=NO-OUTPUT --allow-empty
// NO-OUTPUT-NOT: builtin.module

"func.func"() <{function_type = () -> (), sym_name = "f"}> ({
  "func.return"() : () -> ()
}) : () -> ()
