namespace PredictiveSharding.Cli.Commands;

/// <summary>How the commands word an exception for a command-line user.</summary>
internal static class CliErrorText
{
    /// <summary>
    /// The exception's message as one line, without the "(Parameter 'x')" suffix and the "Actual value was …" line that
    /// <see cref="ArgumentException"/> and <see cref="ArgumentOutOfRangeException"/> add for developers: the messages already
    /// name the flag and the bad value.
    /// </summary>
    public static string Of(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var message = exception.Message.Split('\n')[0].TrimEnd();
        if (exception is ArgumentException { ParamName: { } param })
        {
            var suffix = $" (Parameter '{param}')";
            if (message.EndsWith(suffix, StringComparison.Ordinal))
            {
                message = message[..^suffix.Length];
            }
        }

        return message;
    }
}
