using System.Runtime.CompilerServices;

// src/Directory.Build.props grants internals to "$(AssemblyName).Tests", which for this project (assembly name
// psharding) is "psharding.Tests"; the test project is PredictiveSharding.Cli.Tests, which calls the plan command and
// the file formats in process.
[assembly: InternalsVisibleTo("PredictiveSharding.Cli.Tests")]
