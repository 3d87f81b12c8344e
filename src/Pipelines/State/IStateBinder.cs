namespace Pipelines.State;

/// <summary>Binds a declared piece of state to the current key of the operator that declared it.</summary>
internal interface IStateBinder
{
    /// <summary>Declares a table and returns a cell that reads and writes the current key's value in it.</summary>
    /// <param name="name">The table's name.</param>
    /// <param name="codec">How checkpoints write the values (a <c>StateCodec&lt;T&gt;</c> made from the pipeline's serializers and the operator's name); null: the serializer of <typeparamref name="T"/>.</param>
    IStateCell<T> Bind<T>(string name, Func<Checkpoints.Serialization.StateSerializerRegistry, string, object>? codec = null);
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
