namespace PredictiveSharding.Forecasting.Features;

/// <summary>
/// A baseline forecaster's state, published by fits and updates. An update publishes as <see cref="CopyOnWrite"/> does:
/// one that finds the state replaced meanwhile builds again on top of the newer one. A fit that finishes after an update
/// started later replays that update's history on its own result before publishing it: the fit's history can end before
/// the update's buckets, and publishing the fit as it was dropped them, so the host's next update, which starts where
/// the last one ended, was refused as leaving a gap, and so was every later one until another fit.
/// </summary>
/// <typeparam name="T">The immutable state.</typeparam>
internal sealed class BaselineState<T>
    where T : class
{
    private readonly Lock _gate = new();

    // The histories of the updates published while a fit runs (only then: nothing else reads them), numbered.
    private readonly List<(long Sequence, LoadHistory Recent)> _replay = [];
    private T? _state;
    private long _updates;
    private int _fitsRunning;

    /// <summary>The state last published, or null before the first fit.</summary>
    public T? Current => Volatile.Read(ref _state);

    /// <summary>Starts a fit; every fit begun ends with <see cref="PublishFit"/> or <see cref="EndFit"/>.</summary>
    public Fit BeginFit()
    {
        lock (_gate)
        {
            _fitsRunning++;
            return new Fit(_updates);
        }
    }

    /// <summary>
    /// Publishes a fit's result after replaying on it, with <paramref name="replay"/>, each update published since the
    /// fit began, in order, and ends the fit. <paramref name="replay"/> leaves out a series the fitted state cannot take
    /// (its buckets leave a gap after the fit's history); an update it refuses as a whole (an
    /// <see cref="ArgumentException"/>) is left out.
    /// </summary>
    public void PublishFit(Fit fit, T fitted, Func<T, LoadHistory, T> replay)
    {
        lock (_gate)
        {
            try
            {
                var state = fitted;
                foreach (var (sequence, recent) in _replay)
                {
                    if (sequence > fit.Began)
                    {
                        try
                        {
                            state = replay(state, recent);
                        }
                        catch (ArgumentException)
                        {
                            // The fit's own history stands for what this update would have added.
                        }
                    }
                }

                Volatile.Write(ref _state, state);
            }
            finally
            {
                End(fit);
            }
        }
    }

    /// <summary>Ends a fit that published nothing (it failed or was cancelled); does nothing for one already ended.</summary>
    public void EndFit(Fit fit)
    {
        lock (_gate)
        {
            End(fit);
        }
    }

    /// <summary>
    /// Publishes <paramref name="build"/>(<paramref name="read"/>) if the state is still <paramref name="read"/>;
    /// otherwise builds again on what it holds now, until one publishes. <paramref name="build"/> may throw (bad input,
    /// cancellation): nothing is published then. While a fit runs, <paramref name="recent"/> is kept for it to replay.
    /// </summary>
    public void PublishUpdate(T read, LoadHistory recent, Func<T, T> build)
    {
        while (true)
        {
            var next = build(read);
            lock (_gate)
            {
                if (ReferenceEquals(_state, read))
                {
                    Volatile.Write(ref _state, next);
                    _updates++;
                    if (_fitsRunning > 0)
                    {
                        _replay.Add((_updates, recent));
                    }

                    return;
                }

                // Null only if something cleared the state, which no forecaster does.
                read = _state ?? throw new InvalidOperationException("The forecaster's state was cleared while an update ran.");
            }
        }
    }

    private void End(Fit fit)
    {
        if (fit.Ended)
        {
            return;
        }

        fit.Ended = true;
        if (--_fitsRunning == 0)
        {
            _replay.Clear();
        }
    }

    /// <summary>A fit in progress: the number of updates published when it began.</summary>
    internal sealed class Fit(long began)
    {
        public long Began { get; } = began;

        public bool Ended { get; set; }
    }
}
