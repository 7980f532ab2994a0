namespace PredictiveSharding.Execution.FaultInjection;

/// <summary>
/// Thrown by <see cref="CrashSwitch"/> to stand for the executor's process dying. The executor does nothing more when it
/// sees one (no rollback, no journal record): it lets it propagate, as if the process had stopped there.
/// </summary>
public sealed class SimulatedCrashException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SimulatedCrashException()
        : base("Simulated crash of the executor.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SimulatedCrashException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public SimulatedCrashException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
