using Microsoft.Extensions.Logging;

namespace PredictiveSharding.Hosting.Tests.Fakes;

/// <summary>Keeps every enabled record's level, event id and formatted message, for tests that check what a component said.</summary>
internal sealed class CapturingLogger<T> : ILogger<T>
{
    private readonly List<(LogLevel Level, int EventId, string Message)> _records = [];

    public IReadOnlyList<(LogLevel Level, int EventId, string Message)> Records
    {
        get
        {
            lock (_records)
            {
                return [.. _records];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        lock (_records)
        {
            _records.Add((logLevel, eventId.Id, formatter(state, exception)));
        }
    }
}
