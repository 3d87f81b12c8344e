namespace Pipelines.State;

/// <summary>Binds a declared piece of state to the current key of the operator that declared it.</summary>
internal interface IStateBinder
{
    /// <summary>Declares a table and returns a cell that reads and writes the current key's value in it.</summary>
    IStateCell<T> Bind<T>(string name);
}

/// <summary>The current key's entry of one state table.</summary>
internal interface IStateCell<T>
{
    /// <summary>Whether the current key has a value.</summary>
    bool Exists { get; }

    /// <summary>The current key's value (default when it has none).</summary>
    T Get();

    /// <summary>Sets the current key's value.</summary>
    void Set(T value);

    /// <summary>The current key's value, created with <paramref name="create"/> when it has none.</summary>
    T GetOrCreate(Func<T> create);

    /// <summary>Removes the current key's value.</summary>
    void Clear();
}
