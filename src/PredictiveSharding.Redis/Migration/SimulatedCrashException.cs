namespace PredictiveSharding.Redis.Migration;

/// <summary>Thrown by a test's step hook to stand for our process dying at that step: nothing catches it, nothing cleans up.</summary>
internal sealed class SimulatedCrashException : Exception
{
    public SimulatedCrashException()
        : base("Simulated crash of the executor's process.")
    {
    }

    public SimulatedCrashException(string message)
        : base(message)
    {
    }

    public SimulatedCrashException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
