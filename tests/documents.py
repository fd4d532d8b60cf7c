"""Named GraphQL documents the tests send, as a client would."""

LOGIN_MUTATION = """
mutation Login($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    token user { id email role } errors { code message field }
  }
}
"""

LOGOUT_MUTATION = "mutation { logout { ok errors { code message } } }"

ME_QUERY = "query { me { id email name role active } }"

USERS_QUERY = "query { users { id email name role active } }"

CREATE_USER_MUTATION = """
mutation CreateUser($input: CreateUserInput!) {
  createUser(input: $input) { user { id email name role active } errors { code message field } }
}
"""

UPDATE_USER_MUTATION = """
mutation UpdateUser($input: UpdateUserInput!) {
  updateUser(input: $input) { user { id email name role active } errors { code message field } }
}
"""

PROCESS_FIELDS = """
  id name isDefault totalWeight
  stages {
    id name position
    steps {
      id name position weight mandatory whoCanPerform performers { id }
      requireNote notify notifyUsers { id }
      triggerTask { title dueInDays assignee }
    }
  }
"""

PROCESSES_QUERY = f"query {{ processes {{ {PROCESS_FIELDS} }} }}"

PROCESS_QUERY = f"query Process($id: ID!) {{ process(id: $id) {{ {PROCESS_FIELDS} }} }}"

NODE_QUERY = """
query Node($id: ID!) {
  node(id: $id) {
    __typename id
    ... on User { email }
    ... on Process { name }
    ... on Stage { name archivedAt }
    ... on Step { name weight archivedAt }
  }
}
"""

CREATE_PROCESS_MUTATION = f"""
mutation CreateProcess($input: ProcessInput!) {{
  createProcess(input: $input) {{ process {{ {PROCESS_FIELDS} }} errors {{ code message field }} }}
}}
"""

UPDATE_PROCESS_MUTATION = f"""
mutation UpdateProcess($input: UpdateProcessInput!) {{
  updateProcess(input: $input) {{ process {{ {PROCESS_FIELDS} }} errors {{ code message field }} }}
}}
"""

DELETE_PROCESS_MUTATION = """
mutation DeleteProcess($id: ID!) {
  deleteProcess(input: {id: $id}) { process { id name } errors { code message field } }
}
"""

SET_DEFAULT_PROCESS_MUTATION = """
mutation SetDefault($id: ID!) {
  setDefaultProcess(input: {id: $id}) { process { id isDefault } errors { code message field } }
}
"""
