namespace PredictiveSharding.Traces;

/// <summary>A trace file is malformed; the message names the source, line and offending value.</summary>
public sealed class TraceFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public TraceFormatException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public TraceFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public TraceFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
