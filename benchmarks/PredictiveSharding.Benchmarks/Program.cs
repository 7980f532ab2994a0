using BenchmarkDotNet.Running;

// Run one suite with: dotnet run -c Release --project benchmarks/PredictiveSharding.Benchmarks -- --filter '*Recorder*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
