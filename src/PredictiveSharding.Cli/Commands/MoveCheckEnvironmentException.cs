namespace PredictiveSharding.Cli.Commands;

/// <summary>
/// <c>psharding move-check</c> could not run at all (its nodes' folder cannot be created), as against a run that found
/// a violation: the command reports it with exit code 2, not the failed check's 1.
/// </summary>
internal sealed class MoveCheckEnvironmentException : IOException
{
    /// <summary>Creates the exception.</summary>
    public MoveCheckEnvironmentException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public MoveCheckEnvironmentException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the I/O error behind it.</summary>
    public MoveCheckEnvironmentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
