// Failure tests set Environment.ExitCode, which is process-wide: run the test classes one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
