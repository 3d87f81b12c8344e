// The snippets print to Console.Out, which the tests capture: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
